// Verifies the OPC signatures of a package with Apache POI (independent implementation:
// POI's OOXML signature verifier, org.apache.poi.poifs.crypt.dsig, over Apache Santuario).
//   javac -cp <poi classpath> -d OUT PoiVerify.java
//   java  -cp OUT:<poi classpath> PoiVerify FILE.pqx
// Prints "VALID <signature part> <signer subject>" or "INVALID <signature part>" per
// signature; exit 0 iff there is at least one signature and all are valid.
// Notes (Debian's POI 4.0.1 build): it needs the certificate in KeyInfo/X509Data (a
// signature with only a certificate part fails with "no ds:KeyInfo present"), and it lacks
// the xmlbeans schema classes its own RelationshipTransformService needs (NoClassDefFoundError
// .../TypeSystemHolder), so this program installs, ahead of POI's provider, its own small
// TransformService for the OPC RelationshipTransform (RelTransform below, written from
// ECMA-376 Part 2 / the .NET behaviour: select by SourceId/SourceType, dedupe, sort by Id,
// TargetMode always written). Everything else -- URI dereferencing of parts, manifest
// references, C14N (Santuario), SignedInfo/Object digests, RSA -- is POI's/Santuario's.
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.security.InvalidAlgorithmParameterException;
import java.security.Provider;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.crypto.Data;
import javax.xml.crypto.MarshalException;
import javax.xml.crypto.OctetStreamData;
import javax.xml.crypto.XMLCryptoContext;
import javax.xml.crypto.XMLStructure;
import javax.xml.crypto.dom.DOMStructure;
import javax.xml.crypto.dsig.TransformException;
import javax.xml.crypto.dsig.TransformService;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.openxml4j.opc.PackageAccess;
import org.apache.poi.poifs.crypt.dsig.SignatureConfig;
import org.apache.poi.poifs.crypt.dsig.SignatureInfo;
import org.apache.poi.poifs.crypt.dsig.SignaturePart;

public class PoiVerify {
    static final String REL_TRANSFORM = "http://schemas.openxmlformats.org/package/2006/RelationshipTransform";
    static final String NS_OPC_DSIG = "http://schemas.openxmlformats.org/package/2006/digital-signature";
    static final String NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships";

    /** The OPC RelationshipTransform, verification side only. */
    public static class RelTransform extends TransformService {
        private final Set<String> ids = new HashSet<>();
        private final Set<String> types = new HashSet<>();

        @Override
        public void init(TransformParameterSpec params) throws InvalidAlgorithmParameterException {
            if (params != null) throw new InvalidAlgorithmParameterException("no parameters expected");
        }

        @Override
        public void init(XMLStructure parent, XMLCryptoContext context) throws InvalidAlgorithmParameterException {
            Node transform = ((DOMStructure) parent).getNode();
            for (Node n = transform.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeType() != Node.ELEMENT_NODE) continue;
                Element e = (Element) n;
                if (!NS_OPC_DSIG.equals(e.getNamespaceURI()))
                    throw new InvalidAlgorithmParameterException("unexpected " + e.getTagName());
                if ("RelationshipReference".equals(e.getLocalName())) ids.add(e.getAttribute("SourceId"));
                else if ("RelationshipsGroupReference".equals(e.getLocalName())) types.add(e.getAttribute("SourceType"));
                else throw new InvalidAlgorithmParameterException("unexpected " + e.getTagName());
            }
        }

        @Override
        public void marshalParams(XMLStructure parent, XMLCryptoContext context) throws MarshalException {
            throw new MarshalException("RelTransform is for verification only");
        }

        @Override
        public AlgorithmParameterSpec getParameterSpec() { return null; }

        @Override
        public boolean isFeatureSupported(String feature) { return false; }

        @Override
        public Data transform(Data data, XMLCryptoContext context) throws TransformException {
            return transform(data, context, (java.io.OutputStream) null);
        }

        @Override
        public Data transform(Data data, XMLCryptoContext context, java.io.OutputStream os) throws TransformException {
            if (!(data instanceof OctetStreamData))
                throw new TransformException("RelTransform: expected octet stream, got " + data.getClass().getName());
            try (InputStream in = ((OctetStreamData) data).getOctetStream()) {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setNamespaceAware(true);
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
                f.setExpandEntityReferences(false);
                DocumentBuilder b = f.newDocumentBuilder();
                Document src = b.parse(in);
                TreeMap<String, Element> chosen = new TreeMap<>();   // String.compareTo = ordinal
                NodeList rels = src.getDocumentElement().getElementsByTagNameNS(NS_RELS, "Relationship");
                for (int i = 0; i < rels.getLength(); i++) {
                    Element r = (Element) rels.item(i);
                    if (ids.contains(r.getAttribute("Id")) || types.contains(r.getAttribute("Type")))
                        chosen.putIfAbsent(r.getAttribute("Id"), r);
                }
                Document out = b.newDocument();
                Element root = out.createElementNS(NS_RELS, "Relationships");
                root.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns", NS_RELS);
                out.appendChild(root);
                for (Element r : chosen.values()) {
                    Element c = out.createElementNS(NS_RELS, "Relationship");
                    c.setAttribute("Type", r.getAttribute("Type"));
                    c.setAttribute("Target", r.getAttribute("Target"));
                    String mode = r.getAttribute("TargetMode");
                    c.setAttribute("TargetMode", mode.isEmpty() ? "Internal" : mode);
                    c.setAttribute("Id", r.getAttribute("Id"));
                    root.appendChild(c);
                }
                Transformer t = TransformerFactory.newInstance().newTransformer();
                t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                t.transform(new DOMSource(out), new StreamResult(bos));
                if (os != null) { os.write(bos.toByteArray()); return null; }
                return new OctetStreamData(new ByteArrayInputStream(bos.toByteArray()));
            } catch (Exception e) {
                throw new TransformException(e);
            }
        }
    }

    /** Provider with our RelationshipTransform, inserted before POI's "POIXmlDsigProvider". */
    static final class RelProvider extends Provider {
        RelProvider() {
            super("PqxInteropRelTransform", "1.0", "OPC RelationshipTransform for interop tests");
            put("TransformService." + REL_TRANSFORM, RelTransform.class.getName());
            put("TransformService." + REL_TRANSFORM + " MechanismType", "DOM");
        }
    }

    public static void main(String[] args) throws Exception {
        Security.insertProviderAt(new RelProvider(), 1);
        if (args.length != 1) {
            System.err.println("usage: PoiVerify FILE.pqx");
            System.exit(2);
        }
        int total = 0, valid = 0;
        try (OPCPackage pkg = OPCPackage.open(new File(args[0]), PackageAccess.READ)) {
            SignatureConfig cfg = new SignatureConfig();
            cfg.setOpcPackage(pkg);
            SignatureInfo si = new SignatureInfo();
            si.setSignatureConfig(cfg);
            for (SignaturePart sp : si.getSignatureParts()) {
                total++;
                String name = sp.getPackagePart().getPartName().getName();
                boolean ok;
                try {
                    ok = sp.validate();
                } catch (RuntimeException | LinkageError e) {
                    System.err.println("PoiVerify: " + name + ": " + e);
                    ok = false;
                }
                if (ok) {
                    valid++;
                    System.out.println("VALID " + name + " " + sp.getSigner().getSubjectX500Principal());
                } else {
                    System.out.println("INVALID " + name);
                }
            }
        }
        if (total == 0) {
            System.out.println("INVALID no signatures");
        }
        System.exit(total > 0 && valid == total ? 0 : 1);
    }
}
