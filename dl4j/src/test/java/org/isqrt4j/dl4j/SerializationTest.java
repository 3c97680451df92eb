package org.isqrt4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.isqrt4j.api.OutputLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/** JSON / YAML configuration round trips and ModelSerializer save / restore, for both network kinds. */
class SerializationTest {

    static IsqrtCovLayer custom() {
        return new IsqrtCovLayer.Builder().iterations(7).layout(OutputLayout.TRIU).backend("cpu-scalar")
                .name("cov").build();
    }

    static DataSet batch(int i) {
        return new DataSet(Nets.features(DataType.FLOAT, 8, 4, 4, 4, 300 + i), Nets.labels(DataType.FLOAT, 8, 3));
    }

    @Test
    void configurationJsonAndYaml() {
        MultiLayerConfiguration conf = Nets.mlnConf(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3, custom(), 1);
        String json = conf.toJson();
        assertTrue(json.contains("org.isqrt4j.dl4j.IsqrtCovLayer") && json.contains("\"iterations\" : 7"), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        IsqrtCovLayer l = (IsqrtCovLayer) back.getConf(1).getLayer();
        assertEquals(7, l.getIterations());
        assertEquals(OutputLayout.TRIU, l.getLayout());
        assertEquals("cpu-scalar", l.getBackend());
        assertEquals(6, l.getChannels());
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));

        // The automatic choice stays automatic.
        MultiLayerConfiguration auto = Nets.mlnConf(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.FULL, null), 1);
        IsqrtCovLayer a = (IsqrtCovLayer) MultiLayerConfiguration.fromJson(auto.toJson()).getConf(1).getLayer();
        assertNull(a.getBackend());
        assertNotEquals(l, a);

        ComputationGraphConfiguration g = Nets.graphConf(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3, custom(), 1);
        assertEquals(g, ComputationGraphConfiguration.fromJson(g.toJson()));
    }

    @Test
    void multiLayerNetworkSaveRestore(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = Nets.mln(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3, custom(), 2);
        for (int i = 0; i < 3; i++) {
            net.fit(batch(i));
        }
        File f = new File(dir, "mln.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
        INDArray x = Nets.features(DataType.FLOAT, 5, 4, 4, 4, 9);
        assertEquals(net.output(x), back.output(x));
        // The updater state came back too: one more step gives the same parameters.
        net.fit(batch(3));
        back.fit(batch(3));
        assertEquals(net.params(), back.params());
    }

    @Test
    void computationGraphSaveRestore(@TempDir File dir) throws Exception {
        ComputationGraph g = Nets.graph(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3, custom(), 3);
        for (int i = 0; i < 3; i++) {
            g.fit(batch(i));
        }
        File f = new File(dir, "graph.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.getConfiguration(), back.getConfiguration());
        INDArray x = Nets.features(DataType.FLOAT, 5, 4, 4, 4, 9);
        assertEquals(g.outputSingle(x), back.outputSingle(x));
        g.fit(batch(3));
        back.fit(batch(3));
        assertEquals(g.params(), back.params());
    }
}
